#!/usr/bin/env python3
"""Per-thread CPU of a JVM: a cheap profile of where the engine's CPU goes.

    threads.py snapshot PID          -> "id<TAB>cpu_ms<TAB>name" per thread, to stdout
    threads.py diff A B N            -> CPU between two snapshots grouped by thread name
                                        (numbers and object hashes folded), as key=value lines
                                        thread_<group>=<ms per message>, largest first

The snapshot asks the JVM itself (`jcmd PID Thread.print`, which prints each thread's full
name and cpu=...ms), and falls back to /proc/PID/task (15-character names, clock ticks) when
jcmd is not there or fails. Threads born and gone inside the window are not seen.
"""
import os
import re
import shutil
import subprocess
import sys

HZ = os.sysconf("SC_CLK_TCK")
JCMD_LINE = re.compile(r'^"(?P<name>.*)" .*?cpu=(?P<cpu>[0-9.]+)ms .*?nid=(?P<nid>0x[0-9a-f]+|\d+)')


def jcmd_snapshot(pid):
    jcmd = shutil.which("jcmd")
    if not jcmd:
        java = shutil.which("java")
        cand = os.path.join(os.path.dirname(os.path.realpath(java)), "jcmd") if java else None
        jcmd = cand if cand and os.path.exists(cand) else None
    if not jcmd:
        return None
    try:
        out = subprocess.run([jcmd, str(pid), "Thread.print"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    rows = []
    for line in out.splitlines():
        m = JCMD_LINE.match(line)
        if m:
            rows.append((m["nid"], float(m["cpu"]), m["name"]))
    return rows or None


def proc_snapshot(pid):
    rows = []
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/stat") as fh:
                s = fh.read()
        except OSError:
            continue
        name = s[s.index("(") + 1:s.rindex(")")]
        fields = s[s.rindex(")") + 2:].split()
        rows.append((tid, (int(fields[11]) + int(fields[12])) * 1000.0 / HZ, name))
    return rows


def snapshot(pid):
    rows = jcmd_snapshot(pid) or proc_snapshot(pid)
    for key, ms, name in rows:
        print(f"{key}\t{ms:.2f}\t{name}")


def load(path):
    out = {}
    with open(path) as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) == 3:
                out[parts[0]] = (float(parts[1]), parts[2])
    return out


def group(name):
    g = re.sub(r"@[0-9a-fA-F]+", "", name)      # object identity hashes
    g = re.sub(r"\d+", "N", g)                  # pool and thread numbers
    g = re.sub(r"\s+", " ", g).strip()
    return g[:70] or "unnamed"


def diff(a_path, b_path, n):
    a, b = load(a_path), load(b_path)
    groups = {}
    for key, (ms, name) in b.items():
        d = ms - a.get(key, (0.0, name))[0]
        if d > 0:
            groups[group(name)] = groups.get(group(name), 0.0) + d
    for g, d in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"thread_{g.replace('=', ':')}={d / n:.4f}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "snapshot":
        snapshot(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "diff":
        diff(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
