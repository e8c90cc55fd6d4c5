#!/usr/bin/env bash
# bench/crash.sh - crash suite: kill -9 the engine at random moments of a run
# and prove that nothing is lost and that duplicates stay within what was in SMTP at the kills.
#
#   bench/crash.sh [--messages 20000] [--kills 5] [--seed S] [--size 2048] [--data-delay-ms 20]
#                  [--jar PATH | --rebuild | --snapshot-build] [--keep-data]
#
# One run: a counting SMTP sink on 127.0.0.1 (bench/crash/CrashSuite.java), the engine (a private
# copy of target/caravan.jar) on a fresh data dir with every policy routed to the sink, N
# persistent submissions to mail.submit, and K kill -9 of the engine at seeded random moments
# (about half during intake, the rest during delivery), each followed by a restart on the same
# data dir. Then: lost must be 0 at the sink and in the accounting 'd' records (events are
# non-persistent, with gaps at each restart: they serve only as proof of commit), and duplicates
# must not exceed, per kill and summed, the deliveries in flight at the kill: in SMTP DATA, or
# answered 250 by the sink but not yet committed by the engine (no event). Each duplicate must be
# one of those. Prints one row per kill and the totals; exit 0 PASS, 1 FAIL, 2 error.
# The seed defaults to a new one each run and is printed: --seed S repeats the kill schedule.
# The report is copied to bench/results/crash-<date>_<time>.txt.
# Work dir (engine logs, accounting, report.txt): bench/work/crash-<stamp>/ (the journal is removed
# after a PASS, kept after a FAIL).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MESSAGES=20000
KILLS=5
SEED=
SIZE=2048
DATA_DELAY_MS=20   # a provider takes tens of ms to answer DATA; slower than intake, so a delivery backlog exists to kill into
KEEP_DATA=0
REBUILD=0
SNAPSHOT_BUILD=0
JAR=

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (( $# )); do
  case $1 in
    --messages)      MESSAGES=$2; shift 2 ;;
    --kills)         KILLS=$2; shift 2 ;;
    --seed)          SEED=$2; shift 2 ;;
    --size)          SIZE=$2; shift 2 ;;
    --data-delay-ms) DATA_DELAY_MS=$2; shift 2 ;;
    --jar)           JAR=$(realpath "$2"); shift 2 ;;
    --keep-data)     KEEP_DATA=1; shift ;;
    --rebuild)       REBUILD=1; shift ;;
    --snapshot-build) SNAPSHOT_BUILD=1; shift ;;
    -h|--help)       usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
done
SEED=${SEED:-$(( $(date +%s%N) % 1000000 ))}
for v in MESSAGES KILLS SEED SIZE DATA_DELAY_MS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "--${v,,} needs a number" >&2; exit 2; }
done
(( MESSAGES > 0 && SIZE >= 512 )) || { echo "need messages > 0 and size >= 512" >&2; exit 2; }

ENGINE=real
source "$ROOT/bench/lib/common.sh"
source "$ROOT/bench/lib/caravan.sh"
install_traps

STAMP=$(date -u +%Y%m%d-%H%M%S)
WORK=$ROOT/bench/work/crash-$STAMP
CRASH_CLASSES=$ROOT/bench/work/crash-classes
mkdir -p "$WORK"
SUITE_RC=
bench_exit_hook() {
  [[ -n ${RUN_JAR:-} ]] && rm -f "$RUN_JAR"
  # the journal is big (preallocated files) and of no use after a PASS; logs and accounting stay.
  # After a FAIL or an error it stays as evidence.
  if (( ! KEEP_DATA )) && [[ $SUITE_RC == 0 ]]; then rm -rf "$WORK/data/journal"; fi
}

# ---------------------------------------------------------------- prerequisites
if (( SNAPSHOT_BUILD )); then build_snapshot; else ensure_jar; fi
check_jar_fresh
snapshot_jar "$WORK"
ensure_classpath
# The sink, producer, event watcher, accounting reader and verdict are shared with CrashSuiteTest:
# compiled here from src/test (JDK and JMS client only), not taken from a target/test-classes, which
# the snapshot build does not make (it copies src/main only) and which may be stale in target/.
SHARED=(CrashSink CrashEvents CrashProducer CrashAccounting CrashKill CrashVerdict StablePort)
src=("$ROOT/bench/crash/CrashSuite.java" "$ROOT/bench/src/BenchProducer.java")
for c in "${SHARED[@]}"; do
  f=$ROOT/src/test/java/org/caravan/testsupport/$c.java
  [[ -f $f ]] || die "CrashSuite needs ${f#"$ROOT"/} (shared with CrashSuiteTest), which is missing"
  src+=("$f")
done
if [[ ! -f $CRASH_CLASSES/CrashSuite.class || $CRASH_CLASSES/CrashSuite.class -ot $CLASSPATH_FILE ]] \
   || [[ -n $(find "${src[@]}" -newer "$CRASH_CLASSES/CrashSuite.class" 2>/dev/null) ]]; then
  log "compiling bench/crash/CrashSuite.java (with the classes it shares with CrashSuiteTest)"
  rm -rf "$CRASH_CLASSES"; mkdir -p "$CRASH_CLASSES"
  javac -nowarn -cp "$(cat "$CLASSPATH_FILE")" -d "$CRASH_CLASSES" "${src[@]}" || die "CrashSuite does not compile"
fi

log "crash suite: $MESSAGES messages, $KILLS kills, seed $SEED (engine ${JAR#"$ROOT"/}, built $JAR_INFO; load $(loadavg))"
# The suite stops its own engine and sink on SIGTERM (shutdown hook); the trap sends it one.
run_waited crash-suite 45 java -Xmx768m -cp "$CRASH_CLASSES:$(cat "$CLASSPATH_FILE")" CrashSuite \
    --messages "$MESSAGES" --kills "$KILLS" --seed "$SEED" --size "$SIZE" --data-delay-ms "$DATA_DELAY_MS" \
    --jar "$RUN_JAR" --engine-cwd "$ENGINE_CWD" --work "$WORK"
rc=$?
SUITE_RC=$rc
echo
echo "report: ${WORK#"$ROOT"/}/report.txt (engine logs and accounting beside it)"
if [[ -f $WORK/report.txt ]]; then
  # kept with the other figures (bench/work/ is scratch and not in git)
  KEPT=$ROOT/bench/results/crash-$(date -u -d "${STAMP:0:8} ${STAMP:9:2}:${STAMP:11:2}:${STAMP:13:2}" +%Y-%m-%d_%H%M%S).txt
  cp "$WORK/report.txt" "$KEPT" && echo "copied to ${KEPT#"$ROOT"/}"
fi
case $rc in
  0) ;;
  1) warn "crash suite FAILED (see the report and the engine logs)" ;;
  *) warn "crash suite could not run (exit $rc)" ;;
esac
exit $rc
