#!/usr/bin/env python3
"""Print the benchmark table: one column per run, the median of the good runs last.

    report.py WORKDIR

WORKDIR holds meta.kv (parameters, machine) and run<i>/result-<scenario>.kv files written by
bench/run.sh (key=value lines; a repeated key keeps its last value).

To add a scenario (e.g. Postfix relaying, issue 3): have run.sh write result-<name>.kv with
the same key names where they apply (rate, *_cpu_ms_per_msg, peak_rss_kb, ok) and add an entry
to SCENARIOS below; RATIOS then compares medians across scenarios when both are present.
"""
import glob
import os
import re
import statistics
import sys

# scenario -> (title, [(key, label, format)]) ; rows whose key no run has are left out.
SCENARIOS = {
    "caravan": ("caravan: producer -> mail.submit -> engine -> smtp-sink (measured batch)", [
        ("rate", "end-to-end msgs/s (first submit -> last 250)", "%.0f"),
        ("intake_rate", "intake msgs/s (producer, persistent, tx/50)", "%.0f"),
        ("engine_cpu_ms_per_msg", "engine JVM CPU ms/msg (incl. broker)", "%.3f"),
        ("producer_cpu_ms_per_msg", "producer CPU ms/msg (send phase)", "%.3f"),
        ("sink_cpu_ms_per_msg", "smtp-sink CPU ms/msg", "%.3f"),
        ("all_cpu_ms_per_msg", "machine CPU ms/msg (all processes)", "%.3f"),
        ("irq_cpu_ms_per_msg", "  of which kernel irq/softirq (loopback TCP)", "%.3f"),
        ("other_cpu_ms_per_msg", "  of which other processes (noise)", "%.3f"),
        ("lat_p50_ms", "submit->250 latency p50 ms", "%.0f"),
        ("lat_p99_ms", "submit->250 latency p99 ms", "%.0f"),
        ("lat_max_ms", "submit->250 latency max ms", "%.0f"),
        ("peak_rss_mb", "engine peak RSS MB (VmHWM, incl. warm-up)", "%.0f"),
        ("warm_rate", "warm-up batch msgs/s (cold JIT, unmeasured)", "%.0f"),
        ("distinct_d", "delivered (distinct, accounting)", "%d"),
        ("sink_msgs", "received by smtp-sink", "%d"),
        ("start_s", "engine start to health UP, s", "%.1f"),
        ("log_lines_measured", "engine log lines during the measured batch", "%d"),
        ("busy_pct", "machine busy % before the run (2 s sample)", "%.0f"),
        ("load1", "load average (1 min) before the run", "%.2f"),
    ]),
    "ceiling": ("ceiling: smtp-source -> smtp-sink, new connection per message", [
        ("rate", "ceiling: smtp-source -> smtp-sink msgs/s", "%.0f"),
        ("source_cpu_ms_per_msg", "smtp-source CPU ms/msg", "%.3f"),
        ("sink_cpu_ms_per_msg", "smtp-sink CPU ms/msg", "%.3f"),
    ]),
    "ceiling_reuse": ("ceiling, reused connections (smtp-source -d)", [
        ("rate", "ceiling (reuse): smtp-source -> smtp-sink msgs/s", "%.0f"),
        ("source_cpu_ms_per_msg", "smtp-source CPU ms/msg", "%.3f"),
        ("sink_cpu_ms_per_msg", "smtp-sink CPU ms/msg", "%.3f"),
    ]),
}
ORDER = ["ceiling", "ceiling_reuse", "caravan"]

# (numerator scenario, denominator scenario, key, label)
RATIOS = [
    ("caravan", "postfix", "rate", "Caravan / Postfix msgs/s"),
    ("caravan", "ceiling_reuse", "rate", "Caravan / ceiling (reuse) msgs/s"),
]


def read_kv(path):
    d = {}
    with open(path) as fh:
        for line in fh:
            line = line.rstrip("\n")
            if "=" in line:
                k, v = line.split("=", 1)
                d[k] = v
    return d


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def derive(r):
    """Add computed keys: peak_rss_mb, load1, ok."""
    if num(r.get("peak_rss_kb")) is not None:
        r["peak_rss_mb"] = str(num(r["peak_rss_kb"]) / 1024)
    if r.get("load"):
        r["load1"] = r["load"].split()[0]
    if num(r.get("start_ms")) is not None:
        r["start_s"] = str(num(r["start_ms"]) / 1000)
    parts = [num(r.get(k)) for k in ("all_cpu_ms_per_msg", "engine_cpu_ms_per_msg",
                                     "producer_cpu_ms_per_msg", "sink_cpu_ms_per_msg")]
    if None not in parts and num(r.get("irq_cpu_ms_per_msg")) is not None:
        parts.append(num(r["irq_cpu_ms_per_msg"]))  # not in any process's utime/stime
    if None not in parts:
        r["other_cpu_ms_per_msg"] = str(max(0.0, parts[0] - sum(parts[1:])))
    if "ok" not in r:  # ceiling-style records
        ok = r.get("exit", "0") == "0"
        if "sink_msgs" in r and "messages" in r:
            ok = ok and r["sink_msgs"] == r["messages"]
        r["ok"] = "1" if ok else "0"
    return r


def notes_for(name, run, r, cpus):
    out = []
    other, total = num(r.get("other_cpu_ms_per_msg")), num(r.get("all_cpu_ms_per_msg"))
    if name == "caravan" and r.get("ok") == "1" and other is not None and total and other > 0.2 * total:
        out.append(f"{run}: {100 * other / total:.0f}% of the machine's CPU in the measured window "
                   "went to other processes: a noisy run")

    n = num(r.get("messages"))
    if r.get("ok") != "1":
        out.append(f"{run} {name}: FAILED (excluded from the median)")
    if name == "caravan" and r.get("ok") == "1":
        if num(r.get("duplicates_d")):
            out.append(f"{run}: {r['duplicates_d']} duplicate 'd' records")
        for t in ("acct_b", "acct_t", "acct_r", "acct_other"):
            if num(r.get(t)):
                out.append(f"{run}: {r[t]} accounting records of type {t[5:]}")
        if n is not None and num(r.get("sink_msgs")) not in (None, n):
            out.append(f"{run}: smtp-sink received {r.get('sink_msgs')} for {int(n)} submitted")
        if r.get("stop_clean") == "0":
            out.append(f"{run}: the engine did not stop within 30 s of SIGTERM (killed)")
        steal, window = num(r.get("steal_ticks")), num(r.get("window_ms"))
        if steal and window and steal * 10 > 0.01 * window * (cpus or 1):
            out.append(f"{run}: CPU steal during the measured batch: {r['steal_ticks']} ticks (the host is oversubscribed)")
    return out


def main(workdir):
    meta = read_kv(os.path.join(workdir, "meta.kv")) if os.path.exists(os.path.join(workdir, "meta.kv")) else {}
    runs = sorted(glob.glob(os.path.join(workdir, "run*")), key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0))
    data = {}  # scenario -> [(runname, record)]
    for rd in runs:
        for f in sorted(glob.glob(os.path.join(rd, "result-*.kv"))):
            name = os.path.basename(f)[len("result-"):-len(".kv")]
            data.setdefault(name, []).append((os.path.basename(rd), derive(read_kv(f))))

    lines = []
    lines.append(f"Caravan benchmark  {meta.get('date', '')}")
    if meta.get("engine", "").startswith("fake"):
        lines.append("*** FAKE ENGINE (bench/selftest): a harness self-test, these are NOT Caravan's figures ***")
    if meta:
        lines.append(f"machine: {meta.get('cpus', '?')} cpus ({meta.get('cpu_model', '?')}), "
                     f"{meta.get('mem', '?')}, {meta.get('kernel', '')}; {meta.get('java', '')}")
        lines.append(f"load: {meta.get('messages')} msgs x {meta.get('size')} B per run, {meta.get('runs')} runs, "
                     f"warm-up {meta.get('warmup')} msgs per run (unmeasured), producer {meta.get('producer')}")
        lines.append(f"engine: {meta.get('engine')} {meta.get('engine_opts', '')}; commit {meta.get('commit', '?')}; "
                     f"sink: smtp-sink on 127.0.0.1")
    medians = {}
    notes = []
    width = 48
    for name in ORDER + sorted(k for k in data if k not in ORDER):
        if name not in data:
            continue
        title, rows = SCENARIOS.get(name, (name, [
            ("rate", "msgs/s", "%.0f"),
            ("cpu_ms_per_msg", "CPU ms/msg", "%.3f"),
            ("peak_rss_mb", "peak RSS MB", "%.0f"),
        ]))
        recs = data[name]
        lines.append("")
        head = f"{title}"
        lines.append(head)
        lines.append(" " * 2 + "".ljust(width) + "".join(f"{rn:>10}" for rn, _ in recs) + f"{'median':>10}")
        medians[name] = {}
        for key, label, fmt in rows:
            vals = [num(r.get(key)) for _, r in recs]
            if all(v is None for v in vals):
                continue
            cells = []
            good = []
            for (rn, r), v in zip(recs, vals):
                if v is None:
                    cells.append(f"{'-':>10}")
                elif r.get("ok") != "1":
                    cells.append(f"{'FAIL':>10}")
                else:
                    cells.append(f"{fmt % v:>10}")
                    good.append(v)
            med = statistics.median(good) if good else None
            medians[name][key] = med
            medcell = f"{fmt % med:>10}" if med is not None else f"{'-':>10}"
            lines.append("  " + label[:width].ljust(width) + "".join(cells) + medcell)
        for rn, r in recs:
            notes += notes_for(name, rn, r, num(meta.get("cpus")))

    # where the engine's CPU went: per thread group, median over the good runs
    tgroups = {}
    good_runs = [os.path.basename(rd) for rd in runs
                 if any(rn == os.path.basename(rd) and r.get("ok") == "1" for rn, r in data.get("caravan", []))]
    for rn in good_runs:
        path = os.path.join(workdir, rn, "engine-threads.kv")
        if os.path.exists(path):
            for k, v in read_kv(path).items():
                tgroups.setdefault(k[len("thread_"):], {})[rn] = float(v)
    if tgroups:
        meds = {g: statistics.median([vals.get(rn, 0.0) for rn in good_runs]) for g, vals in tgroups.items()}
        top = sorted(meds.items(), key=lambda kv: -kv[1])[:12]
        lines.append("")
        lines.append("engine CPU by thread group (measured batch; numbers folded to N), ms/msg, median of the runs")
        for g, v in top:
            lines.append(f"  {g[:70].ljust(70)}{v:>8.3f}")
        rest = sum(meds.values()) - sum(v for _, v in top)
        if rest > 0:
            lines.append(f"  {'(all other threads)'.ljust(70)}{rest:>8.3f}")

    ratio_lines = []
    for a, b, key, label in RATIOS:
        va = medians.get(a, {}).get(key)
        vb = medians.get(b, {}).get(key)
        if va and vb:
            ratio_lines.append(f"  {label}: {va / vb:.2f}")
    if ratio_lines:
        lines.append("")
        lines.append("ratios of medians")
        lines += ratio_lines
    if notes:
        lines.append("")
        lines.append("notes")
        lines += ["  " + n for n in notes]
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    main(sys.argv[1])
