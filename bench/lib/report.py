#!/usr/bin/env python3
"""Print the benchmark table: one column per run, the median of the good runs last.

    report.py WORKDIR

WORKDIR holds meta.kv (parameters, machine) and run<i>/result-<scenario>.kv files written by
bench/run.sh (key=value lines; a repeated key keeps its last value).

To add a scenario: have run.sh write result-<name>.kv with the same key names where they apply
(rate, *_cpu_ms_per_msg, peak_rss_kb, ok), add an entry to SCENARIOS below, its own-CPU keys to
COMPONENTS and a column to SIDE_BY_SIDE; RATIOS compares medians across scenarios when both are
present.
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
        ("mta_cpu_ms_per_msg", "MTA CPU ms/msg (the engine, signing included)", "%.3f"),
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
        ("warm_total", "warm-up messages in all (until the JIT was quiet)", "%d"),
        ("warm_compiler_ms_per_msg", "JIT compiler threads ms/msg, last warm-up batch", "%.4f"),
        ("distinct_d", "delivered (distinct, accounting)", "%d"),
        ("acct_d", "delivered ('d' records, repeated Message-IDs too)", "%d"),
        ("sink_msgs", "received by the sink", "%d"),
        ("sink_tls_msgs", "received over TLS (warm-up + measured)", "%d"),
        ("sink_all_msgs", "received in all (warm-up + measured)", "%d"),
        ("dkim_sampled", "DKIM: messages sampled at the sink", "%d"),
        ("dkim_signed", "DKIM: sampled with a DKIM-Signature", "%d"),
        ("dkim_verified", "DKIM: sampled, signature verified", "%d"),
        ("start_s", "engine start to health UP, s", "%.1f"),
        ("log_lines_measured", "engine log lines during the measured batch", "%d"),
        ("busy_pct", "machine busy % before the run (2 s sample)", "%.0f"),
        ("load1", "load average (1 min) before the run", "%.2f"),
    ]),
    "postfix": ("postfix: smtp-source -> Postfix (fsync'd queue) -> smtp-sink (measured batch)", [
        ("rate", "end-to-end msgs/s (first send -> last at sink)", "%.0f"),
        ("intake_rate", "intake msgs/s (smtp-source: all 250 from smtpd)", "%.0f"),
        ("postfix_cpu_ms_per_msg", "Postfix CPU ms/msg (all its processes, cgroup)", "%.3f"),
        ("postfix_tree_cpu_ms_per_msg", "  cross-check: /proc tree + reaped children", "%.3f"),
        ("opendkim_cpu_ms_per_msg", "OpenDKIM milter CPU ms/msg", "%.3f"),
        ("mta_cpu_ms_per_msg", "MTA CPU ms/msg (Postfix + OpenDKIM)", "%.3f"),
        ("source_cpu_ms_per_msg", "smtp-source CPU ms/msg (the load generator)", "%.3f"),
        ("sink_cpu_ms_per_msg", "smtp-sink CPU ms/msg", "%.3f"),
        ("all_cpu_ms_per_msg", "machine CPU ms/msg (all processes)", "%.3f"),
        ("irq_cpu_ms_per_msg", "  of which kernel irq/softirq (loopback TCP)", "%.3f"),
        ("other_cpu_ms_per_msg", "  of which other processes (noise)", "%.3f"),
        ("lat_p50_ms", "arrival->250 latency p50 ms (maillog delay=)", "%.0f"),
        ("lat_p99_ms", "arrival->250 latency p99 ms", "%.0f"),
        ("lat_max_ms", "arrival->250 latency max ms", "%.0f"),
        ("peak_rss_mb", "Postfix peak RSS MB (sum of its processes)", "%.0f"),
        ("peak_pss_mb", "Postfix peak PSS MB (shared pages split)", "%.0f"),
        ("peak_procs", "Postfix processes at most", "%d"),
        ("warm_rate", "warm-up batch msgs/s (unmeasured)", "%.0f"),
        ("pf_sent", "delivered (maillog status=sent)", "%d"),
        ("sink_msgs", "received by the sink", "%d"),
        ("queue_left", "left in Postfix's queue at the end", "%d"),
        ("sink_tls_msgs", "received over TLS (warm-up + measured)", "%d"),
        ("sink_all_msgs", "received in all (warm-up + measured)", "%d"),
        ("dkim_sampled", "DKIM: messages sampled at the sink", "%d"),
        ("dkim_signed", "DKIM: sampled with a DKIM-Signature", "%d"),
        ("dkim_verified", "DKIM: sampled, signature verified", "%d"),
        ("opendkim_peak_rss_mb", "OpenDKIM peak RSS MB", "%.0f"),
        ("busy_pct", "machine busy % before the run (1 s sample)", "%.0f"),
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
# a cold engine: the same record as a warm one, measured on its first messages
SCENARIOS["caravan_cold"] = ("caravan, cold: a fresh engine's first messages (no warm-up)",
                             [r for r in SCENARIOS["caravan"][1] if not r[0].startswith("warm")])
ORDER = ["ceiling", "ceiling_reuse", "postfix", "caravan", "caravan_cold"]

# the scenario's own processes, the load generator and the sink: machine CPU minus these minus
# irq/softirq = "other processes (noise)"
COMPONENTS = {
    "caravan": ("engine_cpu_ms_per_msg", "producer_cpu_ms_per_msg", "sink_cpu_ms_per_msg"),
    "caravan_cold": ("engine_cpu_ms_per_msg", "producer_cpu_ms_per_msg", "sink_cpu_ms_per_msg"),
    "postfix": ("postfix_cpu_ms_per_msg", "source_cpu_ms_per_msg", "sink_cpu_ms_per_msg"),
}
# processes of a scenario that only some invocations have (bench/realsender.sh: the DKIM milter)
OPTIONAL_COMPONENTS = {"postfix": ("opendkim_cpu_ms_per_msg",)}

# (numerator scenario, key, denominator scenario, key, label)
RATIOS = [
    ("caravan", "rate", "postfix", "rate", "Caravan / Postfix msgs/s (end to end)"),
    ("caravan", "engine_cpu_ms_per_msg", "postfix", "postfix_cpu_ms_per_msg",
     "Caravan / Postfix CPU ms per message (the MTA's own processes)"),
    ("caravan", "mta_cpu_ms_per_msg", "postfix", "mta_cpu_ms_per_msg",
     "Caravan / Postfix CPU ms per message (MTA incl. its DKIM signer: Postfix + OpenDKIM)"),
    ("caravan", "all_cpu_ms_per_msg", "postfix", "all_cpu_ms_per_msg",
     "Caravan / Postfix machine CPU ms per message (incl. load generator, sink, kernel)"),
    ("caravan", "intake_rate", "postfix", "intake_rate", "Caravan / Postfix intake msgs/s"),
    ("caravan_cold", "rate", "postfix", "rate", "Caravan cold / Postfix msgs/s (end to end)"),
    ("caravan_cold", "engine_cpu_ms_per_msg", "postfix", "postfix_cpu_ms_per_msg",
     "Caravan cold / Postfix CPU ms per message (the MTA's own processes)"),
    ("caravan", "rate", "ceiling_reuse", "rate", "Caravan / ceiling (reuse) msgs/s"),
    ("postfix", "rate", "ceiling_reuse", "rate", "Postfix / ceiling (reuse) msgs/s"),
]

# the medians side by side: (label, {scenario: key}, format)
SIDE_BY_SIDE = [
    ("end-to-end msgs/s", {"caravan": "rate", "postfix": "rate", "ceiling": "rate", "ceiling_reuse": "rate"}, "%.0f"),
    ("intake msgs/s", {"caravan": "intake_rate", "postfix": "intake_rate"}, "%.0f"),
    ("MTA CPU ms/msg (its own processes)", {"caravan": "engine_cpu_ms_per_msg", "postfix": "postfix_cpu_ms_per_msg"}, "%.3f"),
    ("MTA CPU ms/msg incl. DKIM signer", {"caravan": "mta_cpu_ms_per_msg", "postfix": "mta_cpu_ms_per_msg"}, "%.3f"),
    ("load generator CPU ms/msg", {"caravan": "producer_cpu_ms_per_msg", "postfix": "source_cpu_ms_per_msg",
                                   "ceiling": "source_cpu_ms_per_msg", "ceiling_reuse": "source_cpu_ms_per_msg"}, "%.3f"),
    ("smtp-sink CPU ms/msg", {k: "sink_cpu_ms_per_msg" for k in ("caravan", "postfix", "ceiling", "ceiling_reuse")}, "%.3f"),
    ("machine CPU ms/msg", {"caravan": "all_cpu_ms_per_msg", "postfix": "all_cpu_ms_per_msg"}, "%.3f"),
    ("  of which other processes (noise)", {"caravan": "other_cpu_ms_per_msg", "postfix": "other_cpu_ms_per_msg"}, "%.3f"),
    ("latency p50 ms (submit/arrival -> 250)", {"caravan": "lat_p50_ms", "postfix": "lat_p50_ms"}, "%.0f"),
    ("latency p99 ms", {"caravan": "lat_p99_ms", "postfix": "lat_p99_ms"}, "%.0f"),
    ("peak RSS MB", {"caravan": "peak_rss_mb", "postfix": "peak_rss_mb"}, "%.0f"),
]
for _label, _keys, _fmt in SIDE_BY_SIDE:
    if "caravan" in _keys:
        _keys["caravan_cold"] = _keys["caravan"]
SIDE_COLS = [("caravan", "Caravan"), ("caravan_cold", "cold"), ("postfix", "Postfix"), ("ceiling", "ceiling"), ("ceiling_reuse", "ceil.reuse")]


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
    """Add computed keys: peak_rss_mb, load1, other_cpu_ms_per_msg, ok."""
    for k in ("peak_rss", "peak_pss", "opendkim_peak_rss"):
        if num(r.get(k + "_kb")) is not None:
            r[k + "_mb"] = str(num(r[k + "_kb"]) / 1024)
    if r.get("load"):
        r["load1"] = r["load"].split()[0]
    if num(r.get("start_ms")) is not None:
        r["start_s"] = str(num(r["start_ms"]) / 1000)
    comps = COMPONENTS.get(r.get("scenario"), COMPONENTS["caravan"])
    parts = [num(r.get(k)) for k in ("all_cpu_ms_per_msg",) + comps]
    parts += [num(r[k]) for k in OPTIONAL_COMPONENTS.get(r.get("scenario"), ()) if num(r.get(k)) is not None]
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
    if name in COMPONENTS and r.get("ok") == "1" and other is not None and total and other > 0.2 * total:
        out.append(f"{run}: {100 * other / total:.0f}% of the machine's CPU in the measured window "
                   "went to other processes: a noisy run")

    n = num(r.get("messages"))
    if r.get("ok") != "1":
        out.append(f"{run} {name}: FAILED (excluded from the median)"
                   + (f": {r['fail_reason']}" if r.get("fail_reason") else ""))
    if r.get("check_note"):
        out.append(f"{run} {name}: {r['check_note']}")
    if r.get("sink_tls"):
        out.append(f"{run} {name}: TLS at the sink {r['sink_tls']}; DKIM c={r.get('dkim_canon') or '-'}")
    if name == "postfix" and r.get("ok") == "1":
        if n is not None and num(r.get("sink_msgs")) not in (None, n):
            out.append(f"{run} postfix: smtp-sink received {r.get('sink_msgs')} for {int(n)} sent")
        if n is not None and num(r.get("pf_sent")) not in (None, n):
            out.append(f"{run} postfix: the maillog has {r.get('pf_sent')} status=sent for {int(n)} sent")
        for t in ("pf_deferred", "pf_bounced", "pf_other", "queue_left"):
            if num(r.get(t)):
                out.append(f"{run} postfix: {t} = {r[t]}")
        steal, window = num(r.get("steal_ticks")), num(r.get("window_ms"))
        if steal and window and steal * 10 > 0.01 * window * (cpus or 1):
            out.append(f"{run} postfix: CPU steal during the measured batch: {r['steal_ticks']} ticks")
    if name.startswith("caravan") and r.get("ok") == "1":
        run = run if name == "caravan" else f"{run} {name}"
        if num(r.get("duplicates_d")) and r.get("repeated_message_id") != "1":
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
    lines.append(f"{meta.get('title', 'Caravan benchmark')}  {meta.get('date', '')}")
    if meta.get("engine", "").startswith("fake"):
        lines.append("*** FAKE ENGINE (bench/selftest): a harness self-test, these are NOT Caravan's figures ***")
    if meta:
        lines.append(f"machine: {meta.get('cpus', '?')} cpus ({meta.get('cpu_model', '?')}), "
                     f"{meta.get('mem', '?')}, {meta.get('kernel', '')}; {meta.get('java', '')}")
        lines.append(f"load: {meta.get('messages')} msgs x {meta.get('size')} B per run, {meta.get('runs')} runs, "
                     f"warm-up {meta.get('warmup')} msgs per run (unmeasured), producer {meta.get('producer')}")
        lines.append(f"engine: {meta.get('engine')} {meta.get('engine_opts', '')}; commit {meta.get('commit', '?')}; "
                     f"sink: {meta.get('sink', 'smtp-sink on 127.0.0.1')}")
        for k in ("dkim", "caravan_config"):
            if meta.get(k):
                lines.append(f"{k}: {meta[k]}")
        if meta.get("postfix"):
            lines.append(f"postfix: {meta['postfix']}")
        if meta.get("background"):
            lines.append(f"background: {meta['background']}")
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

    # the host's speed in each run: the same fixed work, so runs (and invocations) compare
    refs = []
    for rd in runs:
        path = os.path.join(rd, "hostref.kv")
        if os.path.exists(path):
            refs.append((os.path.basename(rd), read_kv(path)))
    if refs:
        lines.append("")
        lines.append("host-speed reference (bench/lib/hostref.py: fixed CPU work before each run; lower = faster)")
        lines.append("  " + "".ljust(width) + "".join(f"{rn:>10}" for rn, _ in refs) + f"{'median':>10}")
        for key, label in (("host_ref_ms", "wall ms"), ("host_ref_cpu_ms", "CPU ms")):
            vals = [num(r.get(key)) for _, r in refs]
            good = [v for v in vals if v is not None]
            lines.append("  " + label.ljust(width) + "".join(f"{v:>10.0f}" if v is not None else f"{'-':>10}" for v in vals)
                         + (f"{statistics.median(good):>10.0f}" if good else ""))

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

    # where Postfix's CPU went: per process name (processes alive at the end of the window)
    pgroups = {}
    pf_runs = [rn for rn, r in data.get("postfix", []) if r.get("ok") == "1"]
    for rn in pf_runs:
        path = os.path.join(workdir, rn, "postfix-procs.kv")
        if os.path.exists(path):
            for k, v in read_kv(path).items():
                pgroups.setdefault(k[len("proc_"):], {})[rn] = float(v)
    if pgroups:
        meds = {g: statistics.median([vals.get(rn, 0.0) for rn in pf_runs]) for g, vals in pgroups.items()}
        lines.append("")
        lines.append("Postfix CPU by process (measured batch), ms/msg, median of the runs")
        for g, v in sorted(meds.items(), key=lambda kv: -kv[1]):
            if abs(v) >= 0.0005:
                lines.append(f"  {g[:70].ljust(70)}{v:>8.3f}")

    # the medians side by side
    cols = [(k, t) for k, t in SIDE_COLS if k in medians]
    if len(cols) > 1:
        lines.append("")
        lines.append("side by side (medians of the good runs)")
        lines.append("  " + "".ljust(40) + "".join(f"{t:>12}" for _, t in cols))
        for label, keys, fmt in SIDE_BY_SIDE:
            cells = []
            for k, _ in cols:
                v = medians.get(k, {}).get(keys.get(k)) if keys.get(k) else None
                cells.append(f"{(fmt % v) if v is not None else '':>12}")
            if any(c.strip() for c in cells):
                lines.append("  " + label[:40].ljust(40) + "".join(cells))

    ratio_lines = []
    for a, ka, b, kb, label in RATIOS:
        va = medians.get(a, {}).get(ka)
        vb = medians.get(b, {}).get(kb)
        if va and vb:
            ratio_lines.append(f"  {label}: {va / vb:.2f}")
    # per run too, for the two headline ratios (runs pair up: same run, same machine state)
    per_run = []
    for a, ka, b, kb, label in RATIOS[:3]:
        ra = {rn: num(r.get(ka)) for rn, r in data.get(a, []) if r.get("ok") == "1"}
        rb = {rn: num(r.get(kb)) for rn, r in data.get(b, []) if r.get("ok") == "1"}
        cells = [f"{rn} {ra[rn] / rb[rn]:.2f}" for rn in sorted(ra) if ra[rn] and rb.get(rn)]
        if cells:
            per_run.append(f"  {label}, per run: " + ", ".join(cells))
    ratio_lines += per_run
    if ratio_lines:
        lines.append("")
        lines.append("ratios of medians")
        if "--plain" in meta.get("caravan_config", ""):
            lines.append("  *** --plain: Caravan did NOT sign or encrypt, Postfix did: these ratios are not like for like ***")
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
