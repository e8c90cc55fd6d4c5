#!/usr/bin/env bash
# bench/suppression-store/run.sh [N] [--heap 1g]
# Fills the suppression store (H2 MVStore) with N entries (default 10,000,000) and prints the
# lookup time for hits and misses (p50/p99), the file's size and the heap used with the store open.
# Needs target/classes (mvn -o -q compile) and the h2 jar in ~/.m2. The store goes to a temp dir,
# removed afterwards.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-10000000}
HEAP=${HEAP:-1g}
H2=$(ls ~/.m2/repository/com/h2database/h2/2.3.232/h2-2.3.232.jar)
WORK=$(mktemp -d /tmp/suppression-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
java -Xmx"$HEAP" -cp "$ROOT/target/classes:$H2" "$ROOT/bench/suppression-store/SuppressionStoreBench.java" "$WORK" "$N"
