#!/usr/bin/env python3
"""A host-speed reference: the same fixed CPU work on every run, timed.

    hostref.py      -> host_ref_ms=<wall ms> host_ref_cpu_ms=<process CPU ms>, one per line

Runs on one core: SHA-256 over 128 MB (native code, like the engine's hashing and TLS) and a
pure interpreter loop (branchy, cache-resident code). Runs of one invocation are comparable only
if the machine ran at one speed: a wall time far above its CPU time is steal or contention, a
CPU time that moves between runs is frequency scaling or a different host. Lower is faster.
"""
import hashlib
import time

wall0, cpu0 = time.perf_counter(), time.process_time()
h = hashlib.sha256()
block = b"\x5a" * 65536
for _ in range(2048):
    h.update(block)
acc = 0
for i in range(2_000_000):
    acc = (acc + i * i) % 1_000_003
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
print(f"host_ref_ms={wall * 1000:.0f}")
print(f"host_ref_cpu_ms={cpu * 1000:.0f}")
