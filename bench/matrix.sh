#!/usr/bin/env bash
# bench/matrix.sh - Caravan side by side with Postfix in every submission shape users send, in one
# invocation on one host.
#
#   bench/matrix.sh [--messages N] [--runs R] [--warmup W] [--shapes a,b,...] [--no-cold]
#                   [--jar PATH | --snapshot-build | --rebuild]
#
# Shapes (default: all, in this order):
#   text        BenchProducer's TextMessage, recipient from the To: header, 2 KB
#   bytes       the same as a BytesMessage
#   rcptto      TextMessage with the envelope in the rcptTo / mailFrom properties
#   cli         the Artemis CLI's producer as the README shows (`artemis producer --message ...`)
#   limits      finite max-msg-rate / max-conn-rate far above the load (bench/mta-limits.yaml)
#   domains50   50 recipient domains over 4 policies (bench/mta-domains.yaml)
#   size20k     20 KB messages
#   size100k    100 KB messages
#   realsender  DKIM + STARTTLS on both sides, Postfix with OpenDKIM (bench/realsender.sh), 10 KB
#   c1          as text, with JAVA_OPTS=-XX:TieredStopAtLevel=1 added (the client compiler only); not in
#               the default list, since the launcher keeps C2 on
# Each shape is one bench/run.sh (bench/realsender.sh) with R runs; a run measures Postfix, a warm
# Caravan (warm-up until the JIT compiler threads are quiet) and a cold one (--no-cold: not), in
# alternating order, after a host-speed reference. Postfix always gets smtp-source with the same
# message (a Postfix has no JMS shapes; with relayhost, 50 recipient domains are one next hop).
# Writes bench/results/matrix-<date>_<time>.txt: the summary (medians of the runs, ratios, per-run
# ratios, the targets met or not), then every shape's full report. Default N = 10,000, W = N.
# Loopback only, like every bench script. See bench/README.md.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MESSAGES=10000
RUNS=3
WARMUP=
SHAPES=text,bytes,rcptto,cli,limits,domains50,size20k,size100k,realsender
COLD=1
JAR_ARGS=()
usage() { sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (( $# )); do
  case $1 in
    --messages) MESSAGES=$2; shift 2 ;;
    --runs)     RUNS=$2; shift 2 ;;
    --warmup)   WARMUP=$2; shift 2 ;;
    --shapes)   SHAPES=$2; shift 2 ;;
    --no-cold)  COLD=0; shift ;;
    --jar)      JAR_ARGS=(--jar "$(realpath "$2")"); shift 2 ;;
    --snapshot-build|--rebuild) JAR_ARGS=("$1"); shift ;;
    -h|--help)  usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
done
WARMUP=${WARMUP:-$MESSAGES}
for v in MESSAGES RUNS WARMUP; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "--${v,,} needs a number" >&2; exit 2; }
done
IFS=, read -r -a SHAPE_LIST <<<"$SHAPES"
for s in "${SHAPE_LIST[@]}"; do
  [[ ,text,bytes,rcptto,cli,limits,domains50,size20k,size100k,realsender,c1, == *,$s,* ]] \
    || { echo "unknown shape: $s" >&2; usage 2; }
done

STAMP=$(date -u +%Y-%m-%d_%H%M%S)
MWORK=$ROOT/bench/work/matrix-$STAMP
RESULTS=$ROOT/bench/results/matrix-$STAMP.txt
mkdir -p "$MWORK"
say() { printf '%s matrix: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# one jar for every shape: a build (if asked) happens once, here
if [[ ${JAR_ARGS[0]:-} == --snapshot-build || ${JAR_ARGS[0]:-} == --rebuild ]]; then
  (
    source "$ROOT/bench/lib/common.sh"; source "$ROOT/bench/lib/caravan.sh"
    ENGINE=real REBUILD=1
    if [[ ${JAR_ARGS[0]} == --snapshot-build ]]; then build_snapshot; else ensure_jar; fi
  ) || { say "the build failed"; exit 1; }
  if [[ ${JAR_ARGS[0]} == --snapshot-build ]]; then JAR_ARGS=(--jar "$ROOT/bench/work/build/target/caravan.jar")
  else JAR_ARGS=(--jar "$ROOT/target/caravan.jar"); fi
fi

scen=postfix,caravan
(( COLD )) && scen+=,caravan_cold
FAILED=()
for shape in "${SHAPE_LIST[@]}"; do
  dir=$MWORK/$shape
  size=2048 producer=bench flags= template= opts=${CARAVAN_JAVA_OPTS:-}
  case $shape in
    bytes)     flags=--bytes ;;
    rcptto)    flags=--envelope ;;
    cli)       producer=artemis-cli ;;
    limits)    template=$ROOT/bench/mta-limits.yaml ;;
    domains50) flags="--domains 50"; template=$ROOT/bench/mta-domains.yaml ;;
    size20k)   size=20480 ;;
    size100k)  size=102400 ;;
    c1)        opts="$opts -XX:TieredStopAtLevel=1" ;;
  esac
  say "shape $shape: $RUNS runs of $MESSAGES messages (work dir ${dir#"$ROOT"/})"
  if [[ $shape == realsender ]]; then
    # its own scenarios (TLS sink, OpenDKIM); no cold run there: its cold figure is the text shape's
    BENCH_WORK=$dir BENCH_RESULTS=$dir/report.txt \
      bash "$ROOT/bench/realsender.sh" "${JAR_ARGS[@]}" --runs "$RUNS" --messages "$MESSAGES" \
      --warmup "$WARMUP" >"$dir.log" 2>&1 || FAILED+=("$shape")
  else
    SHAPE=$shape PRODUCER=$producer PRODUCER_FLAGS=$flags MTA_TEMPLATE=$template CARAVAN_JAVA_OPTS=$opts \
    BENCH_WORK=$dir BENCH_RESULTS=$dir/report.txt \
      bash "$ROOT/bench/run.sh" "${JAR_ARGS[@]}" --runs "$RUNS" --messages "$MESSAGES" --size "$size" \
      --warmup "$WARMUP" --scenarios "$scen" >"$dir.log" 2>&1 || FAILED+=("$shape")
  fi
  [[ -f $dir/report.txt ]] || { say "shape $shape left no report: see ${dir#"$ROOT"/}.log"; tail -5 "$dir.log" >&2; }
  python3 "$ROOT/bench/lib/matrix.py" "$MWORK" "${SHAPE_LIST[@]}" >"$MWORK/summary.txt"
  say "shape $shape done; summary so far:"; sed -n '/^shape/,/^$/p' "$MWORK/summary.txt" >&2
done

{
  python3 "$ROOT/bench/lib/matrix.py" "$MWORK" "${SHAPE_LIST[@]}"
  for shape in "${SHAPE_LIST[@]}"; do
    echo; echo "================================================================ shape $shape"
    cat "$MWORK/$shape/report.txt" 2>/dev/null || echo "(no report: see ${MWORK#"$ROOT"/}/$shape.log)"
  done
} >"$RESULTS"
cat "$RESULTS" | sed -n '1,/^====/p'
echo "written to ${RESULTS#"$ROOT"/}; raw records in ${MWORK#"$ROOT"/}"
(( ${#FAILED[@]} == 0 )) || { say "shapes with a failed run: ${FAILED[*]}"; exit 1; }
