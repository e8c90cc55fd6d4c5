#!/usr/bin/env python3
"""The summary of bench/matrix.sh: one line per submission shape, medians of its runs.

    matrix.py MATRIX_WORKDIR SHAPE...

Each MATRIX_WORKDIR/<shape> is a bench/run.sh (or bench/realsender.sh) work dir: run<i>/
result-{postfix,caravan,caravan_cold}.kv and run<i>/hostref.kv. Rates are end to end; CPU is the
MTA's own processes per message (the engine's JVM incl. its broker; Postfix's processes, plus
OpenDKIM in the realsender shape). The targets: warm Caravan at least 3x Postfix's rate at a
third of its CPU per message (realsender: 2x the rate), on the medians.
"""
import glob
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import derive, num, read_kv  # noqa: E402


def runs_of(shape_dir):
    out = []
    for rd in sorted(glob.glob(os.path.join(shape_dir, "run*")),
                     key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0)):
        rec = {}
        for f in glob.glob(os.path.join(rd, "result-*.kv")):
            rec[os.path.basename(f)[len("result-"):-len(".kv")]] = derive(read_kv(f))
        ref = os.path.join(rd, "hostref.kv")
        rec["host"] = read_kv(ref) if os.path.exists(ref) else {}
        out.append((os.path.basename(rd), rec))
    return out


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, f):
    return (f % v) if v is not None else "-"


def main(workdir, shapes):
    cpu_key = {"caravan": "engine_cpu_ms_per_msg", "caravan_cold": "engine_cpu_ms_per_msg",
               "postfix": "postfix_cpu_ms_per_msg"}
    meta = {}
    for s in shapes:
        p = os.path.join(workdir, s, "meta.kv")
        if os.path.exists(p):
            meta = read_kv(p)
            break
    print(f"Caravan / Postfix by submission shape (bench/matrix.sh)  {meta.get('date', '')}")
    print(f"machine: {meta.get('cpus', '?')} cpus ({meta.get('cpu_model', '?')}), {meta.get('mem', '?')}; "
          f"{meta.get('java', '')}; commit {meta.get('commit', '?')}; {meta.get('engine_opts', '')}")
    print(f"per shape: {meta.get('runs', '?')} runs of {meta.get('messages', '?')} messages, alternating "
          "order, medians of the good runs; CPU = the MTA's own processes, ms per message")
    print()
    cols = ["shape", "ok", "Caravan/s", "ms/msg", "Postfix/s", "ms/msg", "rate x", "CPU x",
            "cold/s", "cold ms", "cold x", "hostref", "target"]
    widths = [11, 5, 10, 8, 10, 8, 7, 7, 8, 8, 7, 8, 7]
    print("shape".ljust(widths[0]) + "".join(c.rjust(w) for c, w in zip(cols[1:], widths[1:])))
    per_run = []
    for s in shapes:
        runs = runs_of(os.path.join(workdir, s))
        if not runs:
            print(s.ljust(widths[0]) + "  (no runs)")
            continue
        # realsender: Postfix's signer (OpenDKIM) counts as its CPU, Caravan signs in the engine
        pf_cpu = "mta_cpu_ms_per_msg" if s == "realsender" else cpu_key["postfix"]
        m = {}
        for sc in ("caravan", "caravan_cold", "postfix"):
            good = [rec[sc] for _, rec in runs if sc in rec and rec[sc].get("ok") == "1"]
            key = pf_cpu if sc == "postfix" else cpu_key[sc]
            m[sc] = {"n": len(good), "of": sum(1 for _, rec in runs if sc in rec),
                     "rate": med([num(r.get("rate")) for r in good]),
                     "cpu": med([num(r.get(key)) for r in good])}
        host = med([num(rec["host"].get("host_ref_ms")) for _, rec in runs])
        c, k, p = m["caravan"], m["caravan_cold"], m["postfix"]
        rx = c["rate"] / p["rate"] if c["rate"] and p["rate"] else None
        cx = c["cpu"] / p["cpu"] if c["cpu"] and p["cpu"] else None
        kx = k["rate"] / p["rate"] if k["rate"] and p["rate"] else None
        need = 2.0 if s == "realsender" else 3.0
        if rx is None:
            target = "-"
        elif s == "realsender":
            target = "met" if rx >= need else "no"
        else:
            target = "met" if rx >= need and cx is not None and cx <= 1 / 3 else "no"
        ok = f"{c['n']}+{p['n']}" + (f"+{k['n']}" if k["of"] else "")
        cells = [ok, fmt(c["rate"], "%.0f"), fmt(c["cpu"], "%.3f"), fmt(p["rate"], "%.0f"), fmt(p["cpu"], "%.3f"),
                 fmt(rx, "%.2f"), fmt(cx, "%.2f"), fmt(k["rate"], "%.0f"), fmt(k["cpu"], "%.3f"),
                 fmt(kx, "%.2f"), fmt(host, "%.0f"), target]
        print(s.ljust(widths[0]) + "".join(v.rjust(w) for v, w in zip(cells, widths[1:])))
        cells = []
        for rn, rec in runs:
            cr, pr = rec.get("caravan", {}), rec.get("postfix", {})
            a, b = num(cr.get("rate")), num(pr.get("rate"))
            if cr.get("ok") == "1" and pr.get("ok") == "1" and a and b:
                ca, cb = num(cr.get(cpu_key["caravan"])), num(pr.get(pf_cpu))
                cells.append(f"{rn} {a / b:.2f}x/{(ca / cb) if ca and cb else float('nan'):.2f}x"
                             f" (hostref {rec['host'].get('host_ref_ms', '-')} ms)")
        per_run.append(f"  {s}: " + ("; ".join(cells) if cells else "no run with both engines good"))
    print()
    print("ok = good runs (Caravan warm + Postfix + Caravan cold); rate x / CPU x = Caravan warm over Postfix;")
    print("cold = a fresh engine's first messages; hostref = median wall ms of the fixed reference work")
    print("target: rate x >= 3 and CPU x <= 0.33 (realsender: rate x >= 2)")
    print()
    print("per run (rate x / CPU x, same run, same host state)")
    for line in per_run:
        print(line)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2:])
