#!/usr/bin/env bash
# bench/priority.sh - median time in queue of priority 9 mail vs bulk (priority 1) under load.
#
#   bench/priority.sh [--messages 1000]
#
# The real engine (embedded broker) against a scripted SMTP server on 127.0.0.1 that takes 20 ms
# per DATA on 2 sessions; 1 submission in 10 is priority 9, all are submitted faster than the
# server takes them, so a backlog builds. Prints median and p90 time in queue (submission to
# receipt by the server) per class, and how many bulk sends went out until the last priority 9
# one: once with the priority block (bulk-share 10%), once with every submission at one priority.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MESSAGES=1000
while (( $# )); do
  case $1 in
    --messages) MESSAGES=$2; shift 2 ;;
    *) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
cd "$ROOT"
nice -n 10 mvn -o -q test -Dtest=PriorityBench -Dsurefire.failIfNoSpecifiedTests=false \
  -Dpriority.bench=true -Dpriority.bench.messages="$MESSAGES" >/dev/null || true
grep -h -E '^(priority bench|priority 9 vs|all at one)' target/surefire-reports/org.caravan.scenario.PriorityBench-output.txt
