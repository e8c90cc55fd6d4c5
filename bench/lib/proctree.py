#!/usr/bin/env python3
"""Measure a multi-process server (Postfix) and wait on smtp-sink, for bench/run.sh.

    proctree.py cpu ROOTPID                 -> key=value: tree_ticks (CPU of ROOTPID and all its
                                               descendants, live or reaped; see below), procs
    proctree.py bycomm ROOTPID              -> "pid<TAB>comm<TAB>ppid<TAB>own<TAB>reaped" of every live process
                                               in the tree: own = utime+stime, reaped = cutime+cstime
                                               (its children that exited and it waited for)
    proctree.py bycomm-diff A B N           -> key=value: proc_<comm>=<ms per message> between two
                                               bycomm snapshots; the reaped CPU as
                                               proc_(exited, reaped by <comm>)=; with TOTAL_TICKS in
                                               the environment (the cgroup figure), what neither
                                               accounts for as proc_(unaccounted)=
    proctree.py mem ROOTPID OUT STOPFILE [INTERVAL_S]
                                            -> samples, every INTERVAL_S (0.2), the sum of VmRSS and
                                               of Pss (smaps_rollup) over the live tree, until
                                               STOPFILE exists; writes key=value peak_rss_kb,
                                               peak_pss_kb, peak_procs, samples to OUT
    proctree.py wait-sink LOG TARGET PID TIMEOUT_S STALL_S
                                            -> polls smtp-sink's -c counter output (LOG) every 10 ms
                                               until its "mesg=" counter reaches TARGET; prints
                                               "count epoch_ms" of the poll that saw it.
                                               Exit 0 done, 1 timeout, 2 PID (the MTA) died, 3 stall
    proctree.py run-timed OUT LOG CMD ARGS... -> runs CMD (its output to LOG), passes TERM/INT on, writes
                                               "user_s sys_s" of its CPU (getrusage of the child)
                                               to OUT, its start (epoch ms) to OUT.start; exits with CMD's exit code. Lets the bench
                                               wait for smtp-source in the background (so a TERM
                                               is handled at once) and still get its CPU.
    proctree.py maillog LOG SENDER          -> key=value from a Postfix maillog for the messages
                                               whose envelope sender is SENDER: sent/deferred/
                                               bounced counts, distinct queue ids, delay p50/p99/max

CPU of a process tree from /proc: Postfix's daemons (smtpd, cleanup, qmgr, trivial-rewrite, smtp,
postlogd, ...) are all children of the master; they come and go (max_idle, max_use). A child's
CPU is in its own /proc/<pid>/stat (utime, stime) while it lives, and moves into the master's
cutime/cstime when the master reaps it. So
    tree = master (utime+stime+cutime+cstime) + every live descendant (utime+stime+cutime+cstime)
counts every process that ever ran under the master exactly once; a sample at the start and at
the end of the window gives the CPU in between. (A child reaped between our reading of the
master and our reading of the child would be missed at that instant: a race of microseconds per
exit, negligible here. The cgroup cpuacct figure, when lib/postfix.sh can make one, has no such
race and is the primary figure; this one cross-checks it.)
"""
import os
import re
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    """(comm, ppid, utime, stime, cutime, cstime) of a process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            s = fh.read()
    except OSError:
        return None
    lp, rp = s.index("("), s.rindex(")")
    comm = s[lp + 1:rp]
    f = s[rp + 2:].split()  # f[0] = state (field 3)
    return comm, int(f[1]), int(f[11]), int(f[12]), int(f[13]), int(f[14])


def tree(root):
    """{pid: (comm, ppid, ut, st, cut, cst)} for root and its live descendants."""
    procs = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = stat_fields(int(d))
            if st:
                procs[int(d)] = st
    children = {}
    for pid, st in procs.items():
        children.setdefault(st[1], []).append(pid)
    out, todo = {}, [root]
    while todo:
        p = todo.pop()
        if p in procs:
            out[p] = procs[p]
            todo.extend(children.get(p, []))
    return out


def cpu(root):
    t = tree(root)
    if root not in t:
        return None
    total = sum(st[2] + st[3] + st[4] + st[5] for st in t.values())
    return total, len(t)


def bycomm(root):
    for pid, st in sorted(tree(root).items()):
        print(f"{pid}\t{st[0]}\t{st[1]}\t{st[2] + st[3]}\t{st[4] + st[5]}")


def read_bycomm(path):
    d = {}
    with open(path) as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 5:
                d[int(parts[0])] = (parts[1], int(parts[3]), int(parts[4]), int(parts[2]))
    return d


def bycomm_diff(a_path, b_path, n):
    a, b = read_bycomm(a_path), read_bycomm(b_path)
    groups = {}
    for pid, (comm, own, reaped, _) in b.items():
        same = pid in a and a[pid][0] == comm
        groups[comm] = groups.get(comm, 0) + own - (a[pid][1] if same else 0)
        r = reaped - (a[pid][2] if same else 0)
        if r:
            k = f"(exited, reaped by {comm})"
            groups[k] = groups.get(k, 0) + r
    # a process alive at the start that exited in the window: its parent's reaped figure holds its
    # whole life, so take off what it had used before the window
    for pid, (comm, own, reaped, ppid) in a.items():
        if pid not in b or b[pid][0] != comm:
            pcomm = a[ppid][0] if ppid in a else "?"
            k = f"(exited, reaped by {pcomm})"
            groups[k] = groups.get(k, 0) - own - reaped
    seen = sum(groups.values())
    total = os.environ.get("TOTAL_TICKS")
    if total is not None and abs(float(total) - seen) >= 1:
        groups["(unaccounted: cgroup total - the above)"] = float(total) - seen
    for comm, ticks in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"proc_{comm}={ticks * 1000.0 / HZ / n:.4f}")


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def mem(root, out, stopfile, interval):
    peak_rss = peak_pss = peak_procs = samples = 0
    while not os.path.exists(stopfile):
        pids = list(tree(root))
        if not pids:
            break
        r = sum(rss_kb(p) for p in pids)
        s = sum(pss_kb(p) for p in pids)
        peak_rss, peak_pss = max(peak_rss, r), max(peak_pss, s)
        peak_procs = max(peak_procs, len(pids))
        samples += 1
        time.sleep(interval)
    with open(out, "w") as fh:
        fh.write(f"peak_rss_kb={peak_rss}\npeak_pss_kb={peak_pss}\npeak_procs={peak_procs}\nmem_samples={samples}\n")


MESG = re.compile(rb"mesg=(\d+)")


def wait_sink(log, target, pid, timeout, stall):
    try:
        off = max(0, os.path.getsize(log) - 256)
    except OSError:
        off = 0
    last, start = -1, time.time()
    last_change = start
    count = 0
    while True:
        try:
            with open(log, "rb") as fh:
                fh.seek(off)
                data = fh.read()
        except OSError:
            data = b""
        if data:
            # keep the last 64 bytes for a counter cut in half by the read
            m = MESG.findall(data)
            if m:
                count = int(m[-1])
            off += max(0, len(data) - 64)
        now = time.time()
        if count >= target:
            print(count, int(now * 1000))
            return 0
        if count != last:
            last, last_change = count, now
        if pid and not os.path.exists(f"/proc/{pid}"):
            print(count, int(now * 1000))
            return 2
        if now - last_change > stall:
            print(count, int(now * 1000))
            return 3
        if now - start > timeout:
            print(count, int(now * 1000))
            return 1
        time.sleep(0.01)


QID_FROM = re.compile(r"postfix/qmgr\[\d+\]: ([0-9A-F]+): from=<([^>]*)>")
QID_TO = re.compile(r"postfix/\w+\[\d+\]: ([0-9A-F]+): to=<[^>]*>.*?\bdelay=([0-9.]+),.*?\bstatus=(\w+)")


def maillog(log, sender):
    owner = {}
    counts = {}
    delays = []
    qids = set()
    with open(log, errors="replace") as fh:
        for line in fh:
            m = QID_FROM.search(line)
            if m:
                owner[m.group(1)] = m.group(2)
                continue
            m = QID_TO.search(line)
            if m and owner.get(m.group(1)) == sender:
                st = m.group(3)
                counts[st] = counts.get(st, 0) + 1
                if st == "sent":
                    delays.append(float(m.group(2)) * 1000)
                    qids.add(m.group(1))
    delays.sort()

    def pct(p):
        if not delays:
            return ""
        k = max(1, -(-p * len(delays) // 100))
        return "%.0f" % delays[int(k) - 1]

    print(f"pf_sent={counts.get('sent', 0)}")
    print(f"pf_deferred={counts.get('deferred', 0)}")
    print(f"pf_bounced={counts.get('bounced', 0)}")
    print(f"pf_other={sum(v for k, v in counts.items() if k not in ('sent', 'deferred', 'bounced'))}")
    print(f"pf_distinct_sent={len(qids)}")
    if delays:
        print(f"lat_p50_ms={pct(50)}")
        print(f"lat_p99_ms={pct(99)}")
        print(f"lat_max_ms={delays[-1]:.0f}")


def run_timed(out, log, cmd):
    import resource
    import signal
    import subprocess
    with open(out + ".start", "w") as fh:  # the moment the command starts (epoch ms)
        fh.write(f"{int(time.time() * 1000)}\n")
    with open(log, "w") as lf:
        p = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT)

    def forward(sig, _frame):
        try:
            p.send_signal(sig)
        except OSError:
            pass
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    rc = p.wait()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as fh:
        fh.write(f"{ru.ru_utime:.3f} {ru.ru_stime:.3f}\n")
    return rc if rc >= 0 else 128 - rc


def main(a):
    if len(a) >= 2 and a[0] == "cpu":
        r = cpu(int(a[1]))
        if r is None:
            return 1
        print(f"tree_ticks={r[0]}\nprocs={r[1]}")
        return 0
    if len(a) == 2 and a[0] == "bycomm":
        bycomm(int(a[1]))
        return 0
    if len(a) == 4 and a[0] == "bycomm-diff":
        bycomm_diff(a[1], a[2], int(a[3]))
        return 0
    if len(a) >= 4 and a[0] == "mem":
        mem(int(a[1]), a[2], a[3], float(a[4]) if len(a) > 4 else 0.2)
        return 0
    if len(a) == 6 and a[0] == "wait-sink":
        return wait_sink(a[1], int(a[2]), int(a[3]) if a[3] != "0" else 0, float(a[4]), float(a[5]))
    if len(a) >= 4 and a[0] == "run-timed":
        return run_timed(a[1], a[2], a[3:])
    if len(a) == 3 and a[0] == "maillog":
        maillog(a[1], a[2])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
